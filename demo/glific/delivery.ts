// What Glific keeps in `messages.errors` when a send goes wrong (SCHEMA.md §13.2), shared by the
// fixture and the generator so that both write the shapes a real Glific database holds:
//
// - a Gupshup `failed` message event, stored whole by update_bsp_status/3 (bsp_status 'error'):
//     {"app": …, "timestamp": …, "version": 2, "type": "message-event",
//      "payload": {"id": …, "gsId": …, "type": "failed", "payload": {"code": 131049, "reason": …}}}
//   the code sits at errors -> 'payload' -> 'payload' ->> 'code'; some events carry no code;
// - a send the BSP refused outright (handle_error_response/2: status 'sent', bsp_status 'error',
//   no bsp_message_id): the response body, `{"message": …}` or the body map, usually without that
//   path, sometimes with a top-level "code".

/** The failure codes NGOs meet most, with a reason in the words a BSP event uses. */
export const FAILURE_REASONS: Readonly<Record<number, string>> = {
  131049: 'This message was not delivered to maintain healthy ecosystem engagement.',
  131026: 'Message undeliverable',
  131047: 'Re-engagement message: more than 24 hours have passed since the recipient last replied',
  131048: 'Spam rate limit hit',
  131050: 'User has stopped receiving marketing messages from this business',
  131051: 'Unsupported message type',
  1002: 'Number does not exist on WhatsApp',
  471: 'Message rate limit exceeded',
  1003: 'Unable to send message: check your wallet balance',
};

export interface FailedEventIds {
  /** payload.id: the BSP's (WhatsApp's) message id. */
  id?: string;
  /** payload.gsId: Gupshup's message id (= messages.bsp_message_id). */
  gsId?: string;
  app?: string;
  /** Event time, epoch milliseconds. */
  timestamp?: number;
}

/**
 * A Gupshup `failed` message event as Glific stores it in `errors`. `code` null gives an event
 * without a code (`payload.payload` then holds only the reason, or nothing when that is null too).
 */
export function failedPayload(code: number | null, reason?: string | null, ids: FailedEventIds = {}): object {
  const why = reason === undefined ? (code == null ? 'Message failed' : FAILURE_REASONS[code] ?? 'Message failed') : reason;
  const inner: Record<string, unknown> = {};
  if (code != null) inner.code = code;
  if (why != null) inner.reason = why;
  return {
    app: ids.app ?? 'GlificApp',
    timestamp: ids.timestamp ?? 1_767_225_600_000,
    version: 2,
    type: 'message-event',
    payload: {
      id: ids.id ?? 'gBEGkZkXRDmUAgl5FpzpjNgI5Co',
      gsId: ids.gsId ?? '853bab23-0963-42c7-8436-7fe4f5866c76',
      type: 'failed',
      payload: inner,
    },
  };
}

/** The body of a send the BSP refused outright: `{"message": …}`, with a top-level code if given. */
export function refusedPayload(message: string, code?: number): object {
  return code === undefined ? { message } : { message, code };
}
