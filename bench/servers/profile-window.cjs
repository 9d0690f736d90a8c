// Loaded with --require after the variant's preload by bench/instructions.mjs
// (MODE=profile): the V8 sampling profiler over a window the harness chooses,
// not the whole life of the process (start-up and warm-up stay out).
// SIGUSR2 starts it; the next SIGUSR2 writes the profile to PROFILE_OUT and
// prints PROFILED on stdout. PROFILE_KIND=heap (MODE=heap): V8's sampling heap
// profiler instead, counting every allocation of the window, also the objects
// scavenges and major GCs collected since (the garbage is what this is for).
const inspector = require('node:inspector');
const fs = require('node:fs');

const session = new inspector.Session();
session.connect();
let running = false;
const heap = process.env.PROFILE_KIND === 'heap';
process.on('SIGUSR2', () => {
  if (heap) {
    running = !running;
    if (running) {
      session.post('HeapProfiler.startSampling', {
        samplingInterval: Number(process.env.PROFILE_INTERVAL_BYTES ?? 1024),
        includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true,
      }, () => process.stdout.write('PROFILING\n'));
    } else {
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (error) process.stderr.write(`profile-window: ${error.message}\n`);
        else fs.writeFileSync(process.env.PROFILE_OUT, JSON.stringify(result.profile));
        process.stdout.write('PROFILED\n');
      });
    }
    return;
  }
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
