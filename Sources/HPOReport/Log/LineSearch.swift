import Foundation

/// Finds the lines of a log that mention a word, without splitting the whole log into lines:
/// a search for the word's first byte with `memchr`, then the line around each match.
enum LineSearch {
    /// The lines (without their newlines) that contain `word`, in order.
    static func lines(containing word: String, in data: Data) -> [Data] {
        let word = Array(word.utf8)
        guard let first = word.first else { return [] }
        return data.withUnsafeBytes { bytes -> [Data] in
            guard let base = bytes.baseAddress else { return [] }
            var found: [Data] = []
            var position = 0
            while bytes.count - position >= word.count,
                let hit = memchr(base + position, Int32(first), bytes.count - position - word.count + 1)
            {
                let start = base.distance(to: UnsafeRawPointer(hit))
                guard memcmp(base + start, word, word.count) == 0 else {
                    position = start + 1
                    continue
                }
                let lineStart = (bytes[..<start].lastIndex(of: 0x0A) ?? -1) + 1
                let lineEnd = memchr(base + start, 0x0A, bytes.count - start).map { base.distance(to: UnsafeRawPointer($0)) } ?? bytes.count
                found.append(Data(bytes[lineStart..<lineEnd]))
                position = lineEnd + 1
            }
            return found
        }
    }
}
