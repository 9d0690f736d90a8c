import * as fs from 'node:fs';

/** Pids of the processes whose environment holds FILAMENT_ORPHAN_MARKER=`marker` (/proc/<pid>/environ). */
export function markedProcesses(marker: string): number[] {
  const wanted = `FILAMENT_ORPHAN_MARKER=${marker}`;
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).flatMap((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(wanted) ? [Number(pid)] : [];
    } catch {
      return []; // gone, or not ours to read
    }
  });
}
