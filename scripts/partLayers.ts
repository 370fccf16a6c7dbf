/**
 * Prints the layers of backend/src's parts (the listing in docs/DESIGN.md, "Parts and arrows"):
 * `npx tsx scripts/partLayers.ts`. The graph is the one tests/core/folderCycles.test.ts checks.
 */
import { backendSources, folderGraph, layerListing } from '../tests/helpers/sourceChecks.js';

console.log(layerListing(folderGraph(backendSources())));
