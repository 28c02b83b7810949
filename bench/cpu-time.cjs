// Loaded with `node --require` by bench/build-cost.mjs into each tspc process it times: at
// exit, writes the processor time the process took (user and system, microseconds) to stderr.
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stderr.write(`\ntapeless-bench-cpu-microseconds ${user + system}\n`);
});
