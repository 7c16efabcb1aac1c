/**
 * True when this platform stores numbers little-endian, so that a Float64Array's buffer read as
 * a Uint32Array gives each double's low word then its high word (sign, exponent and top 20
 * mantissa bits). sortFloat64 and quantilesBySelection read the bits that way and fall back to
 * the built-in sort when this is false.
 */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
