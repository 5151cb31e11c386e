/**
 * The architecture rules of docs/ARCHITECTURE.md, checked by `npm test` (npm run lint:deps). No exceptions list:
 * a violation is fixed, not recorded.
 */
module.exports = {
  forbidden: [
    {
      name: 'context-only-through-its-face',
      comment: 'Code outside the contexts reaches a bounded context only through src/modules/<context>/index.ts.',
      severity: 'error',
      from: { path: '^(src|test|bench|libs|migrations)/', pathNot: '^src/modules/' },
      to: { path: '^src/modules/[^/]+/', pathNot: '^src/modules/[^/]+/index\\.ts$' },
    },
    {
      name: 'contexts-meet-at-their-faces',
      comment: 'A context reaches another context only through that one\'s index.ts.',
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'libs-know-no-framework',
      comment: 'libs/ is the engine: it imports neither src/, test/ nor NestJS.',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: ['^src/', '^test/', '^bench/', '@nestjs/'] },
    },
    {
      name: 'no-test-support-in-production',
      comment: 'Production code (src/, libs/, migrations/) never imports test support or spec helpers.',
      severity: 'error',
      from: { path: '^(src|libs|migrations)/', pathNot: ['\\.spec\\.ts$', '\\.spec-helpers\\.ts$'] },
      to: { path: ['^test/', '\\.spec-helpers\\.ts$', '\\.spec\\.ts$', 'node_modules/(s3rver|smtp-server|supertest|csv-parse|@nestjs/testing)/'] },
    },
    {
      name: 'no-module-cycles',
      comment: 'Type-only imports vanish at compile time, so an entity and its repository may name each other.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-folder-cycles',
      comment: 'Folders depend on each other in one direction only.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^dist', '^dist-bench'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
