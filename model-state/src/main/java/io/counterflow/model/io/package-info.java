/**
 * The one codec for the external contract's JSON and CSV (CONTRACT.md), shared by the offline CLI and the
 * Kafka deserializers so that both accept and reject exactly the same records: {@link
 * io.counterflow.model.io.EventCodec} parses and writes single records with Jackson's streaming API,
 * {@link io.counterflow.model.io.SampleFileReader} and {@link io.counterflow.model.io.EventFileReader} stream
 * {@code .jsonl} / {@code .csv} files in constant memory, and {@link io.counterflow.model.io.BadInputReport}
 * counts what was skipped and why. Bad input is never an error that stops reading: it becomes a
 * {@link io.counterflow.model.io.BadInputException} (cheap, no stack trace) with a
 * {@link io.counterflow.model.data.BadInputReason}. Only a file unreadable as a whole (a CSV header without the
 * label columns, a {@code .gz} that is not gzip) stops the read, with a {@link
 * io.counterflow.model.io.MalformedFileException} naming the file.
 */
package io.counterflow.model.io;
