/**
 * Puppeteer (pulled in by the optional @mermaid-js/mermaid-cli) must not download its own Chrome:
 * diagrams are rendered with the system Chromium (see docs/diagrams.md).
 */
module.exports = { skipDownload: true };
