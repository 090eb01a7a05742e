/**
 * Zeroed typed arrays whose pages are already mapped for writing. A new large array's memory is
 * mapped lazily: read first, a page maps the kernel's shared zero page, and the first write then
 * replaces that mapping, which in a process with several threads flushes the TLB of every CPU
 * the process runs on (an interrupt to each; in a virtual machine, a trip through the
 * hypervisor). Hash tables are read before they are written (a probe, then the insert), so a
 * search on worker threads paid that at every fresh page of its stores: measured on this
 * project's 2-core VM, two threads filling 64 MiB tables by probing ran 1.7–2× slower than one
 * thread alone, and as fast as one alone once the tables were written first. Writing the zeroes
 * up front (one sequential pass) maps each page once, for writing, with no flush.
 */
export function freshInt32(length: number): Int32Array {
  const a = new Int32Array(length);
  a.fill(0);
  return a;
}

/** The same in shared memory (a table every thread of a parallel search reads and writes). */
export function freshShared(length: number): Int32Array {
  const a = new Int32Array(new SharedArrayBuffer(4 * length));
  a.fill(0);
  return a;
}
