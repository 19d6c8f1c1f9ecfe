// The meanings pages and digests give error codes (METRICS.md §3b): every common WhatsApp and
// Gupshup code has one, short enough for a digest line; other codes are shown as they are.
import { describe, expect, it } from 'vitest';
import { errorCodeLabel, errorCodeMeaning, NO_CODE } from '../../lib/error-codes.ts';

describe('error code meanings', () => {
  it('explains the common codes, in a few words and in a sentence', () => {
    const common = { '131049': 'WhatsApp', '131026': 'WhatsApp', '131047': 'WhatsApp', '131048': 'WhatsApp', '131050': 'WhatsApp', '131051': 'WhatsApp', '1002': 'Gupshup', '471': 'Gupshup', '1003': 'Gupshup' };
    for (const [code, from] of Object.entries(common)) {
      const m = errorCodeMeaning(code);
      expect(m, code).toBeDefined();
      expect(m!.from, code).toBe(from);
      expect(m!.short.length, code).toBeLessThanOrEqual(40);
      expect(m!.meaning, code).toMatch(/^[A-Z].*\.$/);
    }
    expect(errorCodeMeaning('131047')!.meaning).toMatch(/24 hours.*template/);
    expect(errorCodeMeaning('1003')!.meaning).toMatch(/balance/);
  });

  it('names a failure without a code, and leaves other codes as they are', () => {
    expect(errorCodeLabel(NO_CODE)).toBe('no code given');
    expect(errorCodeMeaning(NO_CODE)!.short).toBe('Refused before sending');
    expect(errorCodeLabel('131999')).toBe('131999');
    expect(errorCodeMeaning('131999')).toBeUndefined();
    expect(errorCodeMeaning('__proto__')).toBeUndefined();
    expect(errorCodeMeaning('constructor')).toBeUndefined();
  });
});
