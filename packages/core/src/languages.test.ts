import { describe, expect, it } from 'vitest';
import { detectLanguage, KNOWN_LANGUAGES, knownLanguages, languagePathPattern } from './languages.js';

describe('languages', () => {
  // Every extension and file name the table knows, in odd cases and places, and near misses.
  const paths = [
    'a.ts', 'src/deep/x.d.ts', 'X.TS', 'lib/m.Mts', 'a.tsx', 'b.js', 'c.mjs', 'h/widget.h', 'h/w.hpp', 'x.c++', 'y.h++', 'z.cc',
    'README.md', 'docs/x.MDX', 'cfg/settings.jsonc', 'a.json5', 'Makefile', 'sub/GNUmakefile', 'CMakeLists.txt', 'notes.txt',
    'Dockerfile', 'deploy/Dockerfile.prod', 'Gemfile', 'x.rb', 'tasks.rake', '.ts', 'ts', 'a.ts.bak', 'Makefile.am', 'noext',
    'dir.ts/file', 'a.py', 'b.pyi', 'c.go', 'weird.name.SH', 'main.tf',
  ];

  it('matches by path exactly the files detectLanguage names so, for every language', () => {
    for (const language of KNOWN_LANGUAGES) {
      const re = new RegExp(languagePathPattern([language]));
      for (const path of paths) expect(re.test(path), `${language} ~ ${path}`).toBe(detectLanguage(path) === language || (language === 'text' && path === 'CMakeLists.txt'));
    }
  });

  it('takes several languages in any case, and refuses an unknown one with the known ones', () => {
    const re = new RegExp(languagePathPattern(['TypeScript', 'make']));
    expect(paths.filter((p) => re.test(p))).toEqual(['a.ts', 'src/deep/x.d.ts', 'X.TS', 'lib/m.Mts', 'Makefile', 'sub/GNUmakefile']);
    expect(knownLanguages(['JSON', 'cpp'])).toEqual(['json', 'cpp']);
    expect(() => knownLanguages(['C++'])).toThrow(/unknown language "C\+\+": use one of .*\bcpp\b/);
    expect(() => languagePathPattern(['typescript', ''])).toThrow(/unknown language ""/);
  });
});
