import Foundation
import HPOTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `hpo serve` under load: 200 event streams and one client that never reads, on a folder of
/// studies while one runs; then requests no browser sends.
@Suite(.serialized) struct ServeLoadEndToEndTests {
    @Test("200 streams get updates, a client that never reads is closed, bad requests get 4xx")
    func manyClientsAndOneThatNeverReads() throws {
        let scratch = try Scratch()
        let runs = scratch.path("runs")
        try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
        // Twenty finished studies make each update about 15 KB (the list of every study), so a client
        // that stops reading fills its socket's buffers, then its queue, within seconds.
        try runFinishedStudy(scratch, name: "done", trials: 6, seed: 1, log: scratch.path("done.jsonl"))
        let finished = try Data(contentsOf: URL(fileURLWithPath: scratch.path("done.jsonl")))
        for n in 1...20 { try finished.write(to: URL(fileURLWithPath: runs + "/done-\(n).jsonl")) }
        let serve = try ServeProcess([runs], scratch: scratch)

        // The one that never reads: a small receive buffer, the request sent, then nothing.
        let stalled = try RawHTTPClient(serve.address)
        var small: Int32 = 4096
        setsockopt(stalled.fd, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        stalled.send("GET /api/events HTTP/1.1\r\nHost: \(serve.address)\r\n\r\n")

        var readers: [RawHTTPClient] = []
        for _ in 0..<200 {
            let client = try RawHTTPClient(serve.address)
            #expect(client.send("GET /api/events HTTP/1.1\r\nHost: \(serve.address)\r\n\r\n"))
            readers.append(client)
        }
        let before = serve.residentKiB

        let study = try scratch.write(
            "live.yaml", braninStudy(name: "live", trials: 600, seed: 9, trial: "{builtin: branin, sleep: 0.1}"))
        let coordinator = try RunningProcess(
            "hpo-coordinator", [study, "--local-workers", "2", "--log", runs + "/live.jsonl"], scratch: scratch,
            label: "coordinator")

        // Every reader sees the live study's events; done when each has seen 3 updates naming it.
        let needle = Array(#""id":"live""#.utf8)
        var seen = [Int](repeating: 0, count: readers.count)
        var tails = [[UInt8]](repeating: [], count: readers.count)
        var peak = before
        let allUpdated = waitUntil(within: 180) {
            var fds = readers.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), 200) > 0 else { return false }
            for (i, pfd) in fds.enumerated() where pfd.revents & Int16(POLLIN) != 0 {
                guard let received = readers[i].receiveAvailable(), !received.isEmpty else { continue }
                // Each update names the live study once; a tail joins a name split across reads.
                let bytes = tails[i] + received
                seen[i] += Self.occurrences(of: needle, in: bytes)
                tails[i] = Array(bytes.suffix(needle.count - 1))
            }
            peak = max(peak, serve.residentKiB)
            return seen.allSatisfy { $0 >= 3 }
        }
        #expect(allUpdated, "readers with fewer than 3 updates: \(seen.filter { $0 < 3 }.count)")

        // The stalled client was closed by the server: what it had been sent, then the end.
        let (_, closed) = stalled.readToEnd(within: 120)
        #expect(closed, "the client that never read is still open")
        #expect(serve.running.process.isRunning)
        // Bounded: 201 streams and a stalled one cost far less than this (measured: docs/serve.md).
        #expect(peak - before < 256 * 1024, "resident memory grew by \(peak - before) KiB")

        // Requests no browser sends: 4xx each, and the server goes on. (An oversized head is the
        // HTTP parser's 400; an unknown method on a known path is the router's 404.)
        let bad: [(String, Int)] = [
            ("nonsense\r\n\r\n", 400),
            ("GET /\(String(repeating: "a", count: 5000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 40_000))\r\n\r\n", 400),
            ("GET /api/studies/nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            ("GET /api/compare HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("DELETE /api/studies HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            ("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n", 400)
        ]
        for (request, expected) in bad {
            let status = try RawHTTPClient.exchange(serve.address, request, within: 20).status
            #expect(status == expected, "\(request.prefix(40)): \(String(describing: status))")
        }
        #expect(try serve.get("/").status == 200)
        #expect(try serve.get("/api/studies").body.contains(#""id":"live""#))
        #expect(serve.running.process.isRunning)
        kill(coordinator.pid, SIGTERM)
        coordinator.waitForExit(within: 60)
        kill(serve.running.pid, SIGTERM)
        #expect(serve.running.waitForExit(within: 30) != nil)
    }

    static func occurrences(of needle: [UInt8], in bytes: [UInt8]) -> Int {
        guard bytes.count >= needle.count else { return 0 }
        return bytes.withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { pattern in
                var count = 0
                var i = 0
                let last = haystack.count - pattern.count
                while i <= last {
                    if haystack[i] == pattern[0]
                        && memcmp(haystack.baseAddress! + i, pattern.baseAddress!, pattern.count) == 0
                    {
                        count += 1
                        i += pattern.count
                    } else {
                        i += 1
                    }
                }
                return count
            }
        }
    }
}
