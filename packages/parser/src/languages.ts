/** Languages the parser splits into class/function chunks with a tree-sitter grammar. */
export type GrammarLanguage =
  | 'typescript'
  | 'tsx'
  | 'javascript'
  | 'python'
  | 'go'
  | 'java'
  | 'rust'
  | 'c'
  | 'cpp'
  | 'csharp'
  | 'ruby'
  | 'php';

export const GRAMMAR_LANGUAGES: readonly GrammarLanguage[] = [
  'typescript',
  'tsx',
  'javascript',
  'python',
  'go',
  'java',
  'rust',
  'c',
  'cpp',
  'csharp',
  'ruby',
  'php',
];

export function isGrammarLanguage(language: string | null | undefined): language is GrammarLanguage {
  return typeof language === 'string' && (GRAMMAR_LANGUAGES as readonly string[]).includes(language);
}

// Languages by file name live in @trawl/core (the lexical indexes filter by them too).
export { detectLanguage } from '@trawl/core';

/** Extensions that are binary whatever their bytes say; the walker skips them without reading. */
export const BINARY_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png', '.jpg', '.jpeg', '.gif', '.bmp', '.ico', '.icns', '.webp', '.avif', '.tif', '.tiff', '.psd',
  '.pdf', '.zip', '.gz', '.tgz', '.bz2', '.xz', '.zst', '.7z', '.rar', '.tar', '.jar', '.war', '.ear',
  '.class', '.o', '.obj', '.a', '.lib', '.so', '.dylib', '.dll', '.exe', '.bin', '.wasm', '.node',
  '.pyc', '.pyo', '.whl', '.egg', '.mp3', '.mp4', '.wav', '.ogg', '.flac', '.mov', '.avi', '.mkv', '.webm',
  '.ttf', '.otf', '.woff', '.woff2', '.eot', '.sqlite', '.db', '.kuzu', '.parquet', '.arrow', '.pack', '.idx',
]);
