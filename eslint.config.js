// ESLint, type-aware (typescript-eslint with the project's tsconfig). Formatting is Prettier's
// (`npm run format`), so every stylistic rule is off (eslint-config-prettier).
import prettier from 'eslint-config-prettier'
import tseslint from 'typescript-eslint'

/** Route handlers stay thin: schema, permission, one call into the module's service, the reply. */
const maxHandlerLines = 40
const routeMethods = new Set(['get', 'post', 'put', 'patch', 'delete'])

const local = {
  rules: {
    'route-handler-length': {
      meta: {
        type: 'suggestion',
        schema: [],
        messages: {
          long: 'This route handler has {{lines}} lines (at most {{max}}): move its work into the module’s service.',
        },
      },
      create(context) {
        return {
          CallExpression(node) {
            const callee = node.callee
            if (
              callee.type !== 'MemberExpression' ||
              callee.property.type !== 'Identifier' ||
              !routeMethods.has(callee.property.name)
            )
              return
            const [path] = node.arguments
            const handler = node.arguments.at(-1)
            if (path?.type !== 'Literal' || typeof path.value !== 'string' || !path.value.startsWith('/')) return
            if (handler?.type !== 'ArrowFunctionExpression' && handler?.type !== 'FunctionExpression') return
            const lines = handler.loc.end.line - handler.loc.start.line + 1
            if (lines > maxHandlerLines)
              context.report({ node: handler, messageId: 'long', data: { lines, max: maxHandlerLines } })
          },
        }
      },
    },
  },
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', '.tap/', 'openapi/', 'migrations/'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { local },
    rules: {
      // Async Fastify hooks and handlers that return values without awaiting are the framework's idiom.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['src/modules/**/*.ts'],
    rules: {
      // A module may use another module's repository, rules or service, never its routes (docs/architecture.md).
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./[^/]+/(routes|[a-z-]+-routes)\\.js$',
              message:
                'A module must not import another module’s routes: move what it needs to that module’s service or repository.',
            },
          ],
        },
      ],
      'local/route-handler-length': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // light-my-request answers `json()` as `any`: assertions on it are what the tests are for.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // tap awaits the subtests a test starts.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
)
