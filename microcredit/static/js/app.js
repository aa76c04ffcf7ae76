// Small behaviours of every page (no inline script: strict CSP). See docs/accessibility.md.
"use strict";
