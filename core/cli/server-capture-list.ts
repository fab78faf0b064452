// What `GET /api/server-captures` answers (`zmtp serve --captures DIR`): the folder's capture files the page
// may open in place. Its own file, free of Node imports, so the renderer's browser client shares the type.

export interface ServerCaptureFile {
  /** The plain file name inside the folder: what `POST /api/server-captures/open?name=` takes. */
  name: string;
  size: number;
  /** Last modified, in milliseconds since the epoch. */
  modified: number;
}

export interface ServerCaptureList {
  /** The folder's display name (its basename): its absolute path never reaches a client. */
  folder: string;
  /** Sorted by name; regular capture files only (.pcap, .pcapng, .cap), not recursive. */
  files: ServerCaptureFile[];
  /** More capture files are in the folder than the list holds (the first ones by name are listed). */
  truncated: boolean;
}
