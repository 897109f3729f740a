'use client';
// A Client Component: the package in the browser bundle (and, for the server render, Node's).
// The client is made at module scope, as users do; the checks run in the browser.
import { useEffect, useState } from 'react';
import * as pkg from 'evolink-tasks';
import { early, runChecks } from './checks.mjs';

// The fake EvoLink server (another origin than Next's server), known at build time.
const seen = typeof window === 'undefined' ? undefined : early(pkg, process.env.NEXT_PUBLIC_EVOLINK_BASE_URL);

export default function ClientPage() {
  const [done, setDone] = useState(false);
  useEffect(() => {
    runChecks(pkg, seen).then(() => setDone(true));
  }, []);
  return <p id="state">{done ? 'checked' : 'checking'}</p>;
}
