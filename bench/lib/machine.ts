import { cpus, totalmem, release, platform } from 'node:os';
import { execFileSync } from 'node:child_process';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  totalMemGiB: number;
  node: string;
  os: string;
  redis: string;
  loadAverageAtStart: string;
}

export function machineFacts(): MachineFacts {
  const c = cpus();
  let redis = 'unknown';
  try {
    redis = execFileSync('redis-server', ['--version'], { encoding: 'utf8' })
      .trim()
      .split(' ')
      .slice(0, 3)
      .join(' ');
  } catch {
    // reported as unknown
  }
  let load = 'unknown';
  try {
    load = execFileSync('cat', ['/proc/loadavg'], { encoding: 'utf8' })
      .trim()
      .split(' ')
      .slice(0, 3)
      .join(' ');
  } catch {
    // reported as unknown
  }
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    totalMemGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
    redis,
    loadAverageAtStart: load,
  };
}
