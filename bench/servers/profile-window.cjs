// Loaded with --require after the variant's preload by bench/instructions.mjs
// (MODE=profile): the V8 sampling profiler over a window the harness chooses,
// not the whole life of the process (start-up and warm-up stay out).
// SIGUSR2 starts it; the next SIGUSR2 writes the profile to PROFILE_OUT and
// prints PROFILED on stdout.
const inspector = require('node:inspector');
const fs = require('node:fs');

const session = new inspector.Session();
session.connect();
let running = false;
process.on('SIGUSR2', () => {
  if (!running) {
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: Number(process.env.PROFILE_INTERVAL_US ?? 100) }, () =>
        session.post('Profiler.start', () => process.stdout.write('PROFILING\n'))));
    return;
  }
  running = false;
  session.post('Profiler.stop', (error, result) => {
    if (error) process.stderr.write(`profile-window: ${error.message}\n`);
    else fs.writeFileSync(process.env.PROFILE_OUT, JSON.stringify(result.profile));
    process.stdout.write('PROFILED\n');
  });
});
