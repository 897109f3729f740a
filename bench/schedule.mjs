// Section "Polling schedule": the simulator bench/schedule_sim.rs (cargo example schedule_sim)
// runs the real poll loop in virtual time over a population of tasks. Its own table is printed
// as it is, and its --json figures and targets are stored. `node bench/schedule.mjs` alone.
import { root, run as exec, target } from './lib.mjs';

export const title = 'Polling schedule: requests and detection delay per policy (simulated)';

export async function run() {
  const cargo = ['run', '--quiet', '--release', '--example', 'schedule_sim', '--'];
  // One run (the bound of workload (c) takes about a minute): the tables, then the JSON line.
  const lines = (await exec('cargo', [...cargo, '--json'], { cwd: root, timeoutMs: 900_000 })).trim().split('\n');
  const json = JSON.parse(lines.pop());
  // The table is the simulator's; its PASS/FAIL lines become this section's targets.
  const markdown = lines.filter((l) => !/^(PASS|FAIL) /.test(l)).join('\n').trim();
  return {
    markdown,
    data: json,
    targets: (json.targets ?? []).map((t) => target(t.target, t.pass)),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await run();
  console.log(r.markdown);
  for (const t of r.targets) console.log(`${t.pass ? 'PASS' : 'FAIL'} ${t.target}`);
}
