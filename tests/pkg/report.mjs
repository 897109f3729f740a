// Shared by the harnesses run by tests/pkg/run.sh: prints a runtime's failed cases with their
// errors, then its summary line "<runtime>: N passed, M failed", which run.sh adds up.
// Plain JavaScript, so Node (ESM and CJS via import()) and Deno load it alike.

/** Prints the report of `results` ([{ name, ok, error }]); returns true when all passed. */
export function report(runtime, results) {
  const failed = results.filter((r) => !r.ok);
  for (const { name, error } of failed) {
    console.log(`not ok - ${runtime}: ${name}\n${indent(error)}`);
  }
  if (results.length === 0) console.log(`not ok - ${runtime}: no results`);
  console.log(`${runtime}: ${results.length - failed.length} passed, ${failed.length} failed`);
  return results.length > 0 && failed.length === 0;
}

const indent = (text) => String(text).replace(/^/gm, '    ');
