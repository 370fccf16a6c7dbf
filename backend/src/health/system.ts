import fs from 'node:fs/promises';
import os from 'node:os';

/** The CPU load since the previous reading (each reader, e.g. an app's health route, keeps its own). */
export function cpuMeter(): () => number {
  let last = { idle: 0, total: 0 };
  const read = () => {
    let idle = 0;
    let total = 0;
    for (const c of os.cpus()) {
      idle += c.times.idle;
      total += c.times.idle + c.times.user + c.times.nice + c.times.sys + c.times.irq;
    }
    const dIdle = idle - last.idle;
    const dTotal = total - last.total;
    last = { idle, total };
    return dTotal > 0 ? Math.round((1 - dIdle / dTotal) * 1000) / 10 : 0;
  };
  read();
  return read;
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function systemMetrics(dir: string, cpuPercent: () => number) {
  const st = await fs.statfs(dir).catch(() => null);
  const totalDisk = st ? st.blocks * st.bsize : 0;
  const freeDisk = st ? st.bavail * st.bsize : 0;
  return {
    cpu_percent: cpuPercent(),
    memory_percent: round((1 - os.freemem() / os.totalmem()) * 100),
    memory_available_mb: round(os.freemem() / 1048576),
    disk_percent: totalDisk ? round((1 - freeDisk / totalDisk) * 100) : 0,
    disk_free_mb: round(freeDisk / 1048576),
    uptime_seconds: round(process.uptime()),
  };
}
