/**
 * Mutual HMAC challenge-response, as Python's `multiprocessing.connection` does
 * (`deliver_challenge` / `answer_challenge`), run on every connection before anything else:
 *
 * ```
 * server                                     client
 *   {n: nonceS (32 random bytes)}  ------->
 *                                  <-------  {d: HMAC(key, "skein/client" + nonceS), n: nonceC}
 *   check d (timing-safe); wrong → {ok: false}, close
 *   {ok: true, d: HMAC(key, "skein/server" + nonceC)} -->
 *                                            check d; wrong → AuthenticationError, close
 * ```
 *
 * HMAC-SHA256; the two directions use different labels so a reply can never be reflected.
 * Nothing is served to a connection before it has passed the check.
 *
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Length of the random nonces, in bytes. */
export const NONCE_BYTES = 32;

/** A fresh nonce. */
export function nonce(): Buffer {
  return randomBytes(NONCE_BYTES);
}

/** HMAC-SHA256 of `label + challenge` under `key`. */
export function digest(key: Uint8Array, label: 'client' | 'server', challenge: Uint8Array): Buffer {
  return createHmac('sha256', key).update(`skein/${label}`).update(challenge).digest();
}

/** Timing-safe check that `answer` is the expected digest. */
export function verify(
  key: Uint8Array,
  label: 'client' | 'server',
  challenge: Uint8Array,
  answer: unknown,
): boolean {
  if (!(answer instanceof Uint8Array)) return false;
  const expected = digest(key, label, challenge);
  return answer.length === expected.length && timingSafeEqual(answer, expected);
}

/** Normalizes a user-supplied authkey (string or bytes) to bytes. */
export function toKey(authkey: string | Uint8Array): Uint8Array {
  if (typeof authkey === 'string') return Buffer.from(authkey, 'utf8');
  if (authkey instanceof Uint8Array) return Uint8Array.from(authkey);
  throw new TypeError('authkey must be a string or a Uint8Array');
}
