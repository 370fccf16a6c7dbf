/**
 * A series' language profile: the languages in the order they are wanted and the cutoff (files in
 * a language after it stay wanted: they are upgraded when a better one appears, unless upgrades
 * are off). The series' own choice, else the config's (`downloads.language_preference`,
 * `downloads.language_cutoff`; no cutoff: the first language).
 */
export interface LanguageProfile {
  languages: string[];
  cutoff: string;
  upgrades: boolean;
}

export function profileOf(
  cfg: { language_preference: string[]; language_cutoff: string | null },
  series: { languages: string[] | null; language_cutoff: string | null; upgrades_enabled: boolean },
): LanguageProfile {
  const languages = series.languages?.length ? series.languages : cfg.language_preference;
  const wanted = series.language_cutoff ?? cfg.language_cutoff;
  const cutoff = wanted && languages.includes(wanted) ? wanted : languages[0]!;
  return { languages, cutoff, upgrades: series.upgrades_enabled };
}

/** True when a file in `language` is below the profile's cutoff (an unknown language never is). */
export function belowCutoff(p: LanguageProfile, language: string | null): boolean {
  if (!language) return false;
  const at = p.languages.indexOf(language);
  return at === -1 || at > p.languages.indexOf(p.cutoff);
}
