import { describe, expect, it } from 'vitest';
import { MESSAGES, browserLocale, setLocale, t } from '../../frontend/src/i18n/index.ts';

describe('texts', () => {
  it('English and German have the same keys and keep the same placeholders', () => {
    const en = Object.keys(MESSAGES.en).sort();
    const de = Object.keys(MESSAGES.de).sort();
    expect(de).toEqual(en);
    for (const key of en) {
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(MESSAGES.de[key]), key).toEqual(ph(MESSAGES.en[key]));
    }
  });

  it('follows the browser unless a language was chosen', () => {
    expect(browserLocale(['de-AT', 'en'])).toBe('de');
    expect(browserLocale(['fr-FR', 'en-US'])).toBe('en');
    expect(browserLocale(['ja'])).toBe('en');
    setLocale('de');
    expect(t('queue.statTotal', { n: 3 })).toBe('3 Einträge');
    setLocale('en');
    expect(t('queue.statTotal', { n: 3 })).toBe('3 items');
  });
});
