import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A minimal blocking WebSocket client (RFC 6455) on loopback for tests: text frames out (masked,
/// as a client must), text frames in (fragments joined; pings answered). Enough to drive Chromium
/// over the DevTools protocol.
package final class WebSocketClient {
    package struct Failure: Error, CustomStringConvertible {
        package let description: String
        package init(description: String) { self.description = description }
    }

    private let connection: RawHTTPClient
    private var buffer: [UInt8] = []

    /// Connects to `ws://HOST:PORT/PATH` and completes the handshake.
    package init(url: String, within seconds: Double = 10) throws {
        guard url.hasPrefix("ws://"), let slash = url.dropFirst(5).firstIndex(of: "/") else {
            throw Failure(description: "not a ws:// URL: \(url)")
        }
        let address = String(url[url.index(url.startIndex, offsetBy: 5)..<slash])
        let path = String(url[slash...])
        connection = try RawHTTPClient(address)
        connection.send(
            "GET \(path) HTTP/1.1\r\nHost: \(address)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let end = Self.find([13, 10, 13, 10], in: buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeFirst(end + 4)
                guard head.hasPrefix("HTTP/1.1 101") else { throw Failure(description: "handshake refused: \(head)") }
                return
            }
            try fill(until: deadline)
        }
    }

    /// Sends one text message.
    package func send(_ text: String) throws {
        let payload = Array(text.utf8)
        var frame: [UInt8] = [0x81]
        if payload.count < 126 {
            frame.append(0x80 | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            frame += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(0x80 | 127)
            frame += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (8 * UInt64($0))) & 0xFF) }
        }
        let mask: [UInt8] = (0..<4).map { _ in UInt8.random(in: 0...255) }
        frame += mask
        frame += payload.enumerated().map { $1 ^ mask[$0 % 4] }
        guard sendBytes(frame) else {
            throw Failure(description: "connection closed while sending")
        }
    }

    /// The next text message, waiting up to `seconds`.
    package func receive(within seconds: Double) throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        var message: [UInt8] = []
        while true {
            let (fin, opcode, payload) = try frame(until: deadline)
            switch opcode {
            case 0x8: throw Failure(description: "closed by the server")
            case 0x9: _ = sendBytes([0x8A, 0x80, 0, 0, 0, 0])  // pong, empty, masked with zeros
            case 0xA: continue
            default:
                message += payload
                if fin { return String(decoding: message, as: UTF8.self) }
            }
        }
    }

    private func frame(until deadline: Date) throws -> (fin: Bool, opcode: UInt8, payload: [UInt8]) {
        while buffer.count < 2 { try fill(until: deadline) }
        let fin = buffer[0] & 0x80 != 0
        let opcode = buffer[0] & 0x0F
        let masked = buffer[1] & 0x80 != 0
        var length = Int(buffer[1] & 0x7F)
        var header = 2
        if length == 126 {
            while buffer.count < 4 { try fill(until: deadline) }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            header = 4
        } else if length == 127 {
            while buffer.count < 10 { try fill(until: deadline) }
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            header = 10
        }
        let maskLength = masked ? 4 : 0
        while buffer.count < header + maskLength + length { try fill(until: deadline) }
        var payload = Array(buffer[(header + maskLength)..<(header + maskLength + length)])
        if masked {
            let mask = Array(buffer[header..<(header + 4)])
            payload = payload.enumerated().map { $1 ^ mask[$0 % 4] }
        }
        buffer.removeFirst(header + maskLength + length)
        return (fin, opcode, payload)
    }

    private func fill(until deadline: Date) throws {
        let left = deadline.timeIntervalSinceNow
        guard left > 0 else { throw Failure(description: "timed out") }
        var pfd = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(left * 1000) + 1) > 0 else { return }
        guard let bytes = connection.receiveAvailable() else { throw Failure(description: "connection closed") }
        buffer += bytes
    }

    private func sendBytes(_ bytes: [UInt8]) -> Bool { connection.send(bytes: bytes) }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}
