/**
 * The resource every signal carries: the SDK's defaults, the distribution's
 * name and version, the detectors OTEL_NODE_RESOURCE_DETECTORS names (config.ts)
 * and, last, a configuration file's attributes.
 */
import { readFileSync } from 'node:fs';
import { arch, hostname } from 'node:os';
import {
  defaultResource, detectResources, envDetector, hostDetector, osDetector, processDetector,
  resourceFromAttributes, serviceInstanceIdDetector, type Resource, type ResourceDetector,
} from '@opentelemetry/resources';
import type { FilamentConfig } from './config';
import { ATTR_HOST_ARCH, ATTR_HOST_ID, ATTR_HOST_NAME } from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/**
 * The process detector without the command line: arguments routinely carry
 * secrets (`--password=…`, connection strings) and every exported record
 * would repeat them.
 */
const processWithoutArgsDetector: ResourceDetector = {
  detect(detectorConfig) {
    const detected = processDetector.detect(detectorConfig);
    const attributes = { ...detected.attributes };
    delete attributes['process.command_args'];
    delete attributes['process.command_line'];
    return { ...detected, attributes };
  },
};

/** host.arch as upstream's host detector writes it (semantic conventions' values: amd64, arm32, ppc32). */
function hostArch(nodeArch: string): string {
  switch (nodeArch) {
    case 'arm': return 'arm32';
    case 'ppc': return 'ppc32';
    case 'x64': return 'amd64';
    default: return nodeArch;
  }
}

/** The first machine id of the files upstream reads on Linux (getMachineId-linux), or undefined. */
function linuxMachineId(): string | undefined {
  for (const file of ['/etc/machine-id', '/var/lib/dbus/machine-id']) {
    try {
      const id = readFileSync(file, 'utf8').trim();
      if (id !== '') return id;
    } catch {
      // absent or unreadable: the next file, as upstream does
    }
  }
  return undefined;
}

/**
 * On Linux, the host detector's three attributes with the machine id read
 * synchronously: upstream's reads it through `fs.promises`, whose first use
 * loads readline, zlib and more — 1.6 MiB of every service's idle RSS on
 * Node 26 (docs/benchmarks.md, "Idle memory and start-up on SDK 3") for one
 * 33-byte file. Elsewhere upstream's detector (its machine id comes from
 * commands or the registry there).
 */
const linuxHostDetector: ResourceDetector = {
  detect() {
    const id = linuxMachineId();
    return {
      attributes: {
        [ATTR_HOST_NAME]: hostname(), [ATTR_HOST_ARCH]: hostArch(arch()), ...(id === undefined ? {} : { [ATTR_HOST_ID]: id }),
      },
    };
  },
};

export function buildResource(config: FilamentConfig): Resource {
  const all: Record<string, ResourceDetector> = {
    env: envDetector, host: process.platform === 'linux' ? linuxHostDetector : hostDetector, os: osDetector,
    process: processWithoutArgsDetector, serviceinstance: serviceInstanceIdDetector,
  };
  const detectors = config.resourceDetectors.map((d) => all[d] as ResourceDetector);
  const detected = defaultResource()
    .merge(resourceFromAttributes({ 'telemetry.distro.name': PACKAGE_NAME, 'telemetry.distro.version': PACKAGE_VERSION }))
    .merge(detectResources({ detectors }));
  // From OTEL_CONFIG_FILE: the file's attributes win, as OTEL_RESOURCE_ATTRIBUTES (env, last) does otherwise.
  return config.resourceAttributes === undefined ? detected : detected.merge(resourceFromAttributes({ ...config.resourceAttributes }));
}
