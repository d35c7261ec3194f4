/**
 * The Hubble protos (`proto/flow`, `proto/relay`, `proto/observer`), loaded from the text embedded
 * in `hubbleProtoSources.ts`, so the esbuild bundles need no .proto files at run time.
 *
 * protobufjs parses the embedded text (with `keepCase`, as proto-loader does), the Google
 * well-known types come from protobufjs's bundled copies (as proto-loader resolves them), and
 * @grpc/proto-loader's `fromJSON` turns the result into the package definition grpc-js loads,
 * with the options below. `loadHubbleProtosFromDir` loads the same files from disk with
 * proto-loader's `loadSync` + `includeDirs`; the tests check that both agree.
 */
import * as grpc from '@grpc/grpc-js';
import { fromJSON, loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import * as protobuf from 'protobufjs';
import { HUBBLE_PROTO_SOURCES } from './hubbleProtoSources';

/** How every Hubble message is decoded: field names as in the .proto (= `hubble observe -o json` keys). */
export const HUBBLE_LOADER_OPTIONS: Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

/** The files, in dependency order; `observer/observer.proto` imports the others. */
export const HUBBLE_PROTO_FILES = ['relay/relay.proto', 'flow/flow.proto', 'observer/observer.proto'] as const;

const WELL_KNOWN = ['google/protobuf/timestamp.proto', 'google/protobuf/wrappers.proto'];

export interface HubbleProtos {
  /** protobufjs reflection of every message and enum (for the JSON ↔ wire conversions). */
  root: protobuf.Root;
  /** What grpc-js loads (`grpc.loadPackageDefinition`). */
  packageDefinition: PackageDefinition;
  /** The `observer.Observer` client constructor. */
  ObserverClient: grpc.ServiceClientConstructor;
  /** The `observer.Observer` service definition, for `server.addService`. */
  observerService: grpc.ServiceDefinition;
}

let cached: HubbleProtos | undefined;

/** The embedded protos, parsed once per process (a few milliseconds). */
export function hubbleProtos(): HubbleProtos {
  return (cached ??= buildProtos(parseEmbedded()));
}

/** Loads the .proto files under `dir` with proto-loader (`includeDirs: [dir]`), e.g. the repository's `proto/`. */
export function loadHubbleProtosFromDir(dir: string): { packageDefinition: PackageDefinition } {
  return { packageDefinition: loadSync('observer/observer.proto', { ...HUBBLE_LOADER_OPTIONS, includeDirs: [dir] }) };
}

function parseEmbedded(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of WELL_KNOWN) {
    const json = protobuf.common.get(file);
    if (!json?.nested) throw new Error(`protobufjs has no bundled ${file}`);
    root.addJSON(json.nested);
  }
  for (const file of HUBBLE_PROTO_FILES) {
    const source = HUBBLE_PROTO_SOURCES[file];
    if (source === undefined) throw new Error(`embedded Hubble protos lack ${file}: run node proto/embed.mjs`);
    const parseWithName = protobuf.parse as typeof protobuf.parse & { filename: string | null };
    parseWithName.filename = file;
    try {
      protobuf.parse(source, root, { keepCase: true });
    } finally {
      parseWithName.filename = null;
    }
  }
  root.resolveAll();
  return root;
}

function buildProtos(root: protobuf.Root): HubbleProtos {
  const packageDefinition = fromJSON(root.toJSON(), HUBBLE_LOADER_OPTIONS);
  const loaded = grpc.loadPackageDefinition(packageDefinition) as unknown as { observer: { Observer: grpc.ServiceClientConstructor } };
  const ObserverClient = loaded.observer.Observer;
  return { root, packageDefinition, ObserverClient, observerService: ObserverClient.service };
}

/** The reflection type of a message, e.g. `flow.Flow`. */
export function hubbleType(name: string): protobuf.Type {
  return hubbleProtos().root.lookupType(name);
}

/** The name of an enum value (`flow.Verdict`, 2 → `DROPPED`), or undefined when unknown. */
export function enumValueName(enumName: string, value: number): string | undefined {
  const e = hubbleProtos().root.lookupEnum(enumName);
  return e.valuesById[value];
}

/** The number of an enum value by name, or undefined when unknown. */
export function enumValueNumber(enumName: string, name: string): number | undefined {
  return hubbleProtos().root.lookupEnum(enumName).values[name];
}
