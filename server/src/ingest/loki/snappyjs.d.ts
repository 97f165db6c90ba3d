// snappyjs ships no types; these are the two functions of its API (Buffer in, Buffer out).
declare module 'snappyjs' {
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T
  const snappy: { uncompress: typeof uncompress; compress: typeof compress }
  export default snappy
}
