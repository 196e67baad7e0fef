import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A folder made fresh for one process: `mkdtemp` gives it an
/// unpredictable name and mode 0700, and fails rather than reuse anything that exists. So no other
/// local user can have planted the folder, a symbolic link in its place, or anything inside it
/// (the old predictable names, `/tmp/hpo-worker-<pid>`, let them).
package enum PrivateFolder {
    /// Creates `parent/prefixXXXXXX` and returns its path. The parent must exist.
    package static func create(in parent: String, prefix: String) throws(PrivateFolderError) -> String {
        let base = parent.hasSuffix("/") ? String(parent.dropLast()) : parent
        var template = Array("\(base)/\(prefix)XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw PrivateFolderError(parent: parent, cause: String(cString: strerror(errno)))
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A private folder that could not be made, with the folder it was to go in.
package struct PrivateFolderError: Error, CustomStringConvertible, Sendable {
    package var parent: String
    package var cause: String
    package var description: String { "cannot create a private folder in '\(parent)': \(cause)" }
}
