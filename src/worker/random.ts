const words = new Uint32Array(2);

/**
 * A uniform number in [0, 1) with 53 random bits from `crypto.getRandomValues`: weighted
 * picks and mirror sampling must be unbiased, and Math.random makes no such promise.
 */
export function cryptoRandom(): number {
  crypto.getRandomValues(words);
  return (words[0]! * 2 ** 21 + (words[1]! >>> 11)) / 2 ** 53;
}
