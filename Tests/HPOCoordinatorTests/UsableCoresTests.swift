import Foundation
import HPORuntime
import Testing

/// `UsableCores`: what a worker announces as its cores follows its CPU affinity (`taskset`).
@Suite struct UsableCoresTests {
    @Test("a process started with taskset -c 0 has one core; this one has at least one")
    func followsAffinity() throws {
        #expect(UsableCores.count() >= 1)
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/taskset") else { return }
        let bound = Process()
        bound.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        bound.arguments = ["-c", "0", "sleep", "30"]
        try bound.run()
        defer {
            // SIGKILL: a signal the test process blocks may be blocked in its children too.
            kill(bound.processIdentifier, SIGKILL)
            bound.waitUntilExit()
        }
        // taskset sets the mask before it execs sleep: wait (bounded) until the child is sleep.
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline,
            (try? String(contentsOfFile: "/proc/\(bound.processIdentifier)/comm", encoding: .utf8)) != "sleep\n"
        {
            usleep(10_000)
        }
        #expect(UsableCores.count(pid: bound.processIdentifier) == 1)
    }
}
