// What a WhatsApp or Gupshup error code means, in words for NGO staff (METRICS.md §3b): one
// table for the pages and the digests. Codes not in the table are shown as they are.

export interface ErrorCodeMeaning {
  /** Who defines the code (none for a failure without one). */
  from?: 'WhatsApp' | 'Gupshup';
  /** A few words, for a table cell or a one-line digest entry. */
  short: string;
  /** What happened and what can be done about it. */
  meaning: string;
}

/** The code of a failure without one (METRICS.md §3b). */
export const NO_CODE = '';

const MEANINGS: ReadonlyMap<string, ErrorCodeMeaning> = new Map<string, ErrorCodeMeaning>([
  ['131049', {
    from: 'WhatsApp',
    short: 'Marketing limit for this person',
    meaning: 'WhatsApp did not deliver this marketing message to keep people from getting too many: the person has had as many marketing messages (from any business) as WhatsApp allows for now. Wait a day or more before sending again; replies and utility templates are not limited this way.',
  }],
  ['131026', {
    from: 'WhatsApp',
    short: 'Could not be delivered',
    meaning: 'The message could not be delivered: the number may not be on WhatsApp, the person may use a very old WhatsApp version, or may not have accepted WhatsApp’s latest terms.',
  }],
  ['131047', {
    from: 'WhatsApp',
    short: 'More than 24 hours since the last reply',
    meaning: 'More than 24 hours have passed since the person last wrote to you, so only an approved template message may be sent until they reply.',
  }],
  ['131048', {
    from: 'WhatsApp',
    short: 'Spam limit reached',
    meaning: 'WhatsApp limited how many messages this number may send because too many earlier messages were blocked or reported as spam.',
  }],
  ['131050', {
    from: 'WhatsApp',
    short: 'Person stopped marketing messages',
    meaning: 'The person chose to stop receiving marketing messages from your organization.',
  }],
  ['131051', {
    from: 'WhatsApp',
    short: 'Unsupported message type',
    meaning: 'WhatsApp does not support this type of message.',
  }],
  ['1002', {
    from: 'Gupshup',
    short: 'Number not on WhatsApp',
    meaning: 'The phone number does not exist on WhatsApp (Glific then marks the contact invalid).',
  }],
  ['471', {
    from: 'Gupshup',
    short: 'Sending limit reached',
    meaning: 'Sending was outside the limits WhatsApp allows this number (its messaging limit or quality rating); Glific pauses sending for the rest of the day.',
  }],
  ['1003', {
    from: 'Gupshup',
    short: 'Gupshup balance too low',
    meaning: 'The Gupshup wallet balance was too low to send; Glific suspends the organization’s sending. Top up the balance with Gupshup.',
  }],
  [NO_CODE, {
    short: 'Refused before sending',
    meaning: 'Refused before sending: Glific could not hand the message to the provider, or the provider refused it outright without giving a code.',
  }],
]);

/** The meaning of a known code, else undefined (show the code as it is). */
export function errorCodeMeaning(code: string): ErrorCodeMeaning | undefined {
  return MEANINGS.get(code);
}

/** How a code is named in a table or a digest: the code itself, or words for the empty one. */
export function errorCodeLabel(code: string): string {
  return code === NO_CODE ? 'no code given' : code;
}
