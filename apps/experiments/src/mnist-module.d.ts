// The `mnist` package (CommonJS) ships no types; this is the part this app reads.
declare module 'mnist' {
  interface Digit {
    /** Which digit, 0–9. */
    id: number;
    /** Every sample of this digit, 784 pixel intensities in [0, 1] each, concatenated. */
    raw: number[];
    /** Number of samples. */
    length: number;
  }
  const mnist: Digit[];
  export default mnist;
}
