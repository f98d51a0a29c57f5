/**
 * Preloaded into a benchmarked process (node --require): at exit, writes the process's own CPU
 * time (all threads) and peak resident memory to the file named by BENCH_RUSAGE_FILE.
 */
'use strict';
const fs = require('node:fs');
const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(file, JSON.stringify({ userMs: u.userCPUTime / 1000, systemMs: u.systemCPUTime / 1000, maxRssKb: u.maxRSS }));
  });
}
