/** A live example of the file naming template, named exactly as the server names files (one rule: rules/naming.ts). */
import { renderFileName, UNKNOWN_PLACEHOLDER } from '../../../backend/src/rules/naming.ts';

export { UNKNOWN_PLACEHOLDER };

export const SAMPLE = { series: 'Attack on Titan', season: 1, episode: 2, title: 'That Day', year: 2013, language: 'German Dub' };

export const renderTemplate = (template: string, ext = 'mkv', v = SAMPLE): string => renderFileName(template, v, ext);
