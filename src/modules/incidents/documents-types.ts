/**
 * Recognising a document's type by its content, never by its name or declared type: the signature that
 * opens the file, and for a ZIP archive the OOXML content types that make it a Word or Excel document.
 * Only the archive's directory and its [Content_Types].xml are read (bounded), never its parts.
 */
import yauzl from 'yauzl'
import { officeTypeOf, signatureType, type DocumentType } from './documents-rules.js'

/** More entries than any office document has: beyond it the archive is not read further. */
const maxArchiveEntries = 20_000
const maxContentTypesBytes = 256 * 1024

async function officeType(content: Buffer): Promise<'docx' | 'xlsx' | null> {
  let archive: yauzl.ZipFile
  try {
    archive = await yauzl.fromBufferPromise(content, { lazyEntries: true, validateEntrySizes: true })
  } catch {
    return null
  }
  try {
    if (archive.entryCount > maxArchiveEntries) return null
    const parts = new Set<string>()
    let contentTypes: yauzl.Entry | undefined
    for await (const entry of archive.eachEntry()) {
      parts.add(entry.fileName.toLowerCase())
      if (entry.fileName === '[Content_Types].xml') contentTypes = entry
    }
    if (!contentTypes || contentTypes.uncompressedSize > maxContentTypesBytes || contentTypes.isEncrypted()) return null
    const chunks: Buffer[] = []
    for await (const chunk of await archive.openReadStreamPromise(contentTypes)) chunks.push(chunk as Buffer)
    return officeTypeOf(Buffer.concat(chunks).toString('utf8'), (name) => parts.has(name))
  } catch {
    // A damaged archive is no office document.
    return null
  } finally {
    archive.close()
  }
}

/** The accepted type the content is, or null. */
export async function recogniseDocumentType(content: Buffer): Promise<DocumentType | null> {
  const signature = signatureType(content)
  return signature === 'zip' ? officeType(content) : signature
}
