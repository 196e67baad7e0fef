import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP client on loopback for tests that speak HTTP byte by byte: what a browser or
/// `curl` would never send, and clients that send nothing at all.
package final class RawHTTPClient {
    package let fd: Int32

    /// Connects to `address` (`127.0.0.1:PORT`).
    package init(_ address: String) throws {
        let port = UInt16(address.split(separator: ":").last.flatMap { Int($0) } ?? 0)
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        sin.sin_port = port.bigEndian
        let status = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            close(fd)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
    }

    deinit { close(fd) }

    /// Sends all of `text`; false when the server closed or reset the connection first.
    @discardableResult
    package func send(_ text: String) -> Bool { send(bytes: Array(text.utf8)) }

    /// Sends all of `bytes`, again where a signal interrupted the call (the test process gets
    /// SIGCHLD from every child it runs); false when the server closed or reset the connection first.
    @discardableResult
    package func send(bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }

    /// What has arrived, up to 64 KiB (call after `poll` says there is something): nil when the
    /// server closed or reset the connection, empty when a signal interrupted the call.
    package func receiveAvailable() -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count < 0 && errno == EINTR { return [] }
        return count > 0 ? Array(chunk[0..<count]) : nil
    }

    /// Reads until the server closes (true) or `seconds` pass (false), with what arrived.
    package func readToEnd(within seconds: Double) -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return (String(decoding: received, as: UTF8.self), false) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, Int32(left * 1000) + 1) <= 0 { continue }
            guard let bytes = receiveAvailable() else { return (String(decoding: received, as: UTF8.self), true) }
            received += bytes
        }
    }

    /// Reads one answer: until its headers and `Content-Length` bytes of body have arrived, the
    /// server closes, or `seconds` pass. Servers that keep the connection open despite
    /// `Connection: close` (Chromium's DevTools endpoint) would otherwise cost the whole deadline.
    package func readResponse(within seconds: Double) -> String {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while !Self.isComplete(received) {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&pfd, 1, Int32(left * 1000) + 1) <= 0 { continue }
            guard let bytes = receiveAvailable() else { break }  // EOF or reset
            received += bytes
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether `bytes` hold a whole answer with a `Content-Length` (without one, only the close ends it).
    private static func isComplete(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return false }
        let length = text[..<split.lowerBound].split(separator: "\r\n").lazy.compactMap { line -> Int? in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "content-length" else { return nil }
            return Int(parts[1].trimmingCharacters(in: .whitespaces))
        }.first
        guard let length else { return false }
        return text[split.upperBound...].utf8.count >= length
    }

    /// One request, and the answer's status code and body (nil status: no answer before the close or the deadline).
    package static func exchange(_ address: String, _ request: String, within seconds: Double = 10) throws -> (
        status: Int?, headers: String, body: String
    ) {
        let client = try RawHTTPClient(address)
        client.send(request)
        // A HEAD answer's Content-Length describes a body that never comes: read to the close.
        if request.hasPrefix("HEAD ") { return parse(client.readToEnd(within: seconds).text) }
        return parse(client.readResponse(within: seconds))
    }

    package static func parse(_ text: String) -> (status: Int?, headers: String, body: String) {
        guard let split = text.range(of: "\r\n\r\n") else { return (nil, text, "") }
        let headers = String(text[..<split.lowerBound])
        let status = headers.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) }
        return (headers.hasPrefix("HTTP/1.1 ") ? status : nil, headers, String(text[split.upperBound...]))
    }
}
