/**
 * Errors raised by the data layer.
 *
 * Every failure names what it is about (dataset id, file, line) so that a run log alone is
 * enough to find the bad input; `code` lets callers and tests branch without parsing text.
 */

/** Machine-readable reason for a {@link DataError}. */
export type DataErrorCode =
  | "BAD_ID"
  | "UNKNOWN_DATASET"
  | "NO_LOADER"
  | "MISSING_FILE"
  | "CHECKSUM"
  | "DOWNLOAD"
  | "BAD_GZIP"
  | "BAD_ARCHIVE"
  | "BAD_ROW"
  | "EMPTY"
  | "BAD_CACHE"
  | "BAD_OPTION";

export class DataError extends Error {
  readonly code: DataErrorCode;
  /** File the error is about, when there is one. */
  readonly file?: string;
  /** 1-based line number inside `file`, for row errors. */
  readonly line?: number;

  constructor(
    code: DataErrorCode,
    message: string,
    where: { file?: string; line?: number; cause?: unknown } = {},
  ) {
    super(message, where.cause === undefined ? undefined : { cause: where.cause });
    this.name = "DataError";
    this.code = code;
    this.file = where.file;
    this.line = where.line;
  }
}

/**
 * Thrown by row parsers for a malformed row; the pipeline adds file and line and turns it into a
 * `DataError("BAD_ROW")` (or counts the row as skipped under `onBadRow: "skip"`).
 */
export class RowError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "RowError";
  }
}
