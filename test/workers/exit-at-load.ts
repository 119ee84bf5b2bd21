// A pool task module for the tests: it ends its worker with process.exit(1) as it is loaded, so that no
// worker of its pool ever starts.
process.exit(1);

export default function never(): void {}
