// What a part of `npm run demo` (desktop or command line) gives the script that runs the lab.

/** One way of showing the product against the lab; stop() undoes what it started. */
export interface RunningDemo {
  stop(): Promise<void>;
}

/** How a part says it cannot go on: the demo then cleans up and exits 1. */
export type DemoFailure = (why: string) => void;
