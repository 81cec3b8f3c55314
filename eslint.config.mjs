// Lint with type information: the rules that catch what tests rarely do (a promise nobody awaits or catches, `void`
// included; a promise where a callback's result is ignored; a switch over a union that forgot a case).
// Formatting is Prettier's (.prettierrc.json).
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: ["node_modules/", ".wrangler/", ".build/", ".services/", ".scratch/", "workers/worker-configuration.d.ts"],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: {
      parserOptions: {
        project: ["./tsconfig.json", "./tsconfig.node.json", "./tsconfig.web.json"],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": ["error", { ignoreVoid: false }],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": ["error", { considerDefaultExhaustiveForUnions: true }],
      "@typescript-eslint/await-thenable": "error",
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
      "no-empty": ["error", { allowEmptyCatch: true }],
      // An object literal's getters or a nested class refer to their owner by a name that says what it is.
      "@typescript-eslint/no-this-alias": ["error", { allowedNames: ["session", "device", "last"] }],
    },
  },
  // Tests read frames and bodies as the JSON they are, field by field.
  { files: ["test/**/*.ts"], rules: { "@typescript-eslint/no-explicit-any": "off" } },
  { files: ["scripts/**/*.mjs", "*.mjs"], languageOptions: { globals: globals.node } },
  { files: ["web/sw.js"], languageOptions: { globals: globals.serviceworker } },
);
