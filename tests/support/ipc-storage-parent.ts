// The parent half of an "ipc" storage for the contract tests: serves a storage (memory, or
// the URL given) to the process that forked this one, over Node's IPC channel, the way
// `hpo run --workers` serves its workers. The test process plays the worker.
// usage: tsx ipc-storage-parent.ts [storage url]
import { openStorage } from "hpo";
import { IpcStorageHost } from "../../src/storage/ipc/ipc-storage-host.ts";
import type { IpcEndpoint } from "../../src/storage/ipc/ipc-protocol.ts";

const storage = await openStorage(process.argv[2] ?? "memory");
new IpcStorageHost(storage).attach(process as IpcEndpoint);
process.on("disconnect", () => void storage.close().finally(() => process.exit(0)));
process.send!({ ready: true });
