// Commit messages follow Conventional Commits (https://www.conventionalcommits.org):
// release-please reads them to choose the next version and write CHANGELOG.md.
// Checked on every commit (pre-commit's commit-msg hook) and in CI.
export default {
  extends: ["@commitlint/config-conventional"],
  rules: {
    // "deps" is the prefix Dependabot's pull requests use.
    "type-enum": [
      2,
      "always",
      [
        "build",
        "chore",
        "ci",
        "deps",
        "docs",
        "feat",
        "fix",
        "perf",
        "refactor",
        "revert",
        "style",
        "test",
      ],
    ],
    // Long links and stack traces in bodies are fine.
    "body-max-line-length": [0],
    "footer-max-line-length": [0],
  },
};
