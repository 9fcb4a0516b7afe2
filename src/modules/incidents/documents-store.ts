/**
 * Where the content of documents lives. The service keeps it in PostgreSQL (either database), beside its
 * metadata; `DocumentStore` is the seam an object store would fill instead.
 */
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { and, asc, eq, gte } from 'drizzle-orm'
import type { Database, Tx } from '../../db/client.js'
import { inScope, type Scope } from '../../platform/scope.js'
import { caseDocumentChunks } from './documents-tables.js'

export interface StoredContent {
  sha256: string
  size: number
}

export interface DocumentStore {
  /**
   * Stores the content of document `documentId` as it streams in, in `tx`: the content commits with its
   * metadata and audit event, or not at all. (An object store would write before the commit and leave an
   * object a failed commit does not name for a sweep to remove.)
   */
  put(tx: Tx, documentId: string, content: AsyncIterable<Uint8Array>): Promise<StoredContent>
  /** The content, streamed as the reader takes it, read under the reader's scope. */
  get(scope: Scope, documentId: string): Readable
  /** Removes the content, in `tx` (an object store: once the deletion has committed). */
  delete(tx: Tx, documentId: string): Promise<void>
}

/**
 * 256 KiB pieces: a 10 MiB file is 40 rows, and a piece, not a file, is what either driver holds in one
 * value (the server driver's hex text doubles it) and what a download keeps in memory at a time.
 */
export const chunkBytes = 256 * 1024

/**
 * Content in case_document_chunks. Each piece of a download is read in a short transaction of its own
 * under the reader's scope, so a slow reader holds no connection (the embedded database has one); content
 * never changes once written, so the pieces of one download always belong together.
 */
export class DatabaseDocumentStore implements DocumentStore {
  constructor(private readonly database: Database) {}

  async put(tx: Tx, documentId: string, content: AsyncIterable<Uint8Array>): Promise<StoredContent> {
    const hash = createHash('sha256')
    let size = 0
    let seq = 0
    let pending: Buffer[] = []
    let pendingBytes = 0
    const write = async (piece: Buffer) => {
      await tx.insert(caseDocumentChunks).values({ documentId, seq: seq++, data: piece })
    }
    for await (const chunk of content) {
      const bytes = Buffer.from(chunk)
      hash.update(bytes)
      size += bytes.length
      // Whole pieces are cut from the chunk as views: a large chunk is never copied once per piece.
      let offset = 0
      while (pendingBytes + bytes.length - offset >= chunkBytes) {
        const take = chunkBytes - pendingBytes
        await write(Buffer.concat([...pending, bytes.subarray(offset, offset + take)]))
        offset += take
        pending = []
        pendingBytes = 0
      }
      if (offset < bytes.length) {
        pending.push(bytes.subarray(offset))
        pendingBytes += bytes.length - offset
      }
    }
    if (pendingBytes > 0) await write(Buffer.concat(pending))
    return { sha256: hash.digest('hex'), size }
  }

  get(scope: Scope, documentId: string): Readable {
    const { db } = this.database
    let next = 0
    return new Readable({
      // One piece buffered ahead at most.
      highWaterMark: 1,
      read() {
        const seq = next++
        inScope(db, scope, (tx) =>
          tx
            .select({ seq: caseDocumentChunks.seq, data: caseDocumentChunks.data })
            .from(caseDocumentChunks)
            .where(and(eq(caseDocumentChunks.documentId, documentId), gte(caseDocumentChunks.seq, seq)))
            .orderBy(asc(caseDocumentChunks.seq))
            .limit(1),
        ).then(
          ([piece]) => {
            if (!piece) this.push(null)
            else if (piece.seq !== seq) this.destroy(new Error('a piece of the document content is missing'))
            else this.push(piece.data)
          },
          (error: Error) => this.destroy(error),
        )
      },
    })
  }

  async delete(tx: Tx, documentId: string): Promise<void> {
    await tx.delete(caseDocumentChunks).where(eq(caseDocumentChunks.documentId, documentId))
  }
}
