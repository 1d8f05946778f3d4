// tracery-grammar ships no types: the parts the DJ's templates use.
declare module 'tracery-grammar' {
  interface Grammar {
    flatten(rule: string): string;
    addModifiers(mods: Record<string, (s: string, params?: string[]) => string>): void;
  }
  const tracery: {
    createGrammar(raw: Record<string, string | string[]>): Grammar;
    setRng(rng: () => number): void;
    baseEngModifiers: Record<string, (s: string, params?: string[]) => string>;
  };
  export default tracery;
}
