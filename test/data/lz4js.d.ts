// Types for the parts of lz4js (devDependency) the bag tests use to write lz4-compressed MCAP chunks.
declare module 'lz4js' {
  /** Compresses `src` into an LZ4 frame. */
  export function compress(src: Uint8Array, maxSize?: number): Uint8Array;
}
