// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "artifacts/",
      "cache/",
      "types/",
      ".node/",
      "coverage/",
      "dist/",
      "results/",
      "bench/results.json",
      // npm run mutation's working copies of the repository.
      "mutation/work*/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // chai's property assertions (`expect(x).to.be.true`) are expressions.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-unused-expressions": "off" },
  },
  {
    // The model and the engine are deterministic: randomness comes only from seeded per-agent streams.
    // The same rules hold for scenarios written on the SDK (the starter, the examples); a project can
    // take them into its own eslint config.
    files: ["simulation/**/*.ts", "templates/**/*.ts", "examples/**/*.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "Math",
          property: "random",
          message: "Use the run's seeded per-agent stream (ctx.rng), never Math.random.",
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
          message: "The model and agents must not read the wall clock.",
        },
      ],
    },
  },
  {
    files: [
      "simulation/chain/**/*.ts",
      "simulation/engine/**/*.ts",
      "simulation/analysis/**/*.ts",
      "simulation/cli/**/*.ts",
      "simulation/observe/**/*.ts",
    ],
    rules: { "no-restricted-syntax": "off" },
  },
);
