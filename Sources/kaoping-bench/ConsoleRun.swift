import Foundation
import Histogram
import KaopingCore
import ZeroMQ

/// The web console at city scale: `clients` browsers following the live ranking by Server-Sent Events (a load
/// client on raw sockets, not browsers) while the campaign is delivered at half load; the time from the aggregator's
/// commit (the event's `updated_at_ms`) to each client's receipt of the event; the console's peak RSS; and the server
/// time and size of the first ranking and completeness pages and of district pages with every district in.
struct ConsoleRun {
    var event = Percentiles()
    var events = 0
    var peakRSSMegabytes = 0.0
    /// The first ranking page (20 requests of it) and the first completeness page (20 requests).
    var rankingPage = PageTimes()
    var completenessPage = PageTimes()
    /// A district's page: the first alone, then 20 more.
    var firstDistrictPageMilliseconds = 0.0
    var districtPage = PageTimes()

    /// A page's time from request to last byte on loopback, p50 and p99, and its size.
    struct PageTimes {
        var p50 = 0.0
        var p99 = 0.0
        var bytes = 0
    }

    static func measure(
        campaign: CityCampaign, options: Bench.Options, clients: Int, receiptsPerSecond: Double
    ) throws -> ConsoleRun {
        let folder = campaign.folder.appendingPathComponent("console-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = folder.appendingPathComponent("store.sqlite").path
        let aggregator = try Aggregator(options: options, campaign: campaign, store: store)
        defer { aggregator.kill() }
        let accounts = folder.appendingPathComponent("web-accounts").path
        let password = "bench-password"
        try runTool(
            options.bin + "/kaoping",
            ["web", "users", "add", "bench", "--role", "leadership", "--accounts", accounts, "--password-stdin"],
            input: password + "\n")
        let web = Process()
        web.executableURL = URL(fileURLWithPath: options.bin).appendingPathComponent("kaoping-web")
        web.arguments = [
            "--port", "0", "--accounts", accounts, "--store", store, "--catalog", campaign.catalogPath,
            "--feed", aggregator.endpoints["feed"]!, "--snapshot", aggregator.endpoints["snapshot"]!,
            "--control", aggregator.endpoints["control"]!, "--log-level", "warning",
        ]
        let line = try web.runUntilReady("kaoping-web")
        defer {
            web.terminate()
            web.waitUntilExit()
        }
        guard let portText = line.split(separator: ":").last?.split(separator: "/").first, let port = UInt16(portText)
        else { throw Bench.Failure("kaoping-web's ready line has no port: \(line)") }
        let cookie = try signIn(port: port, name: "bench", password: password)

        // The clients connect, then the campaign goes in at half the measured full-load rate, one envelope a message.
        let streams = try (0..<clients).map { _ in try HTTPConnection(port: port) }
        for stream in streams {
            try stream.send(
                "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(cookie)\r\nAccept: text/event-stream\r\n\r\n")
        }
        let done = Shared<Bool>(false)
        let latencies = Shared<(Histogram<UInt64>, Int)>((Histogram(highestTrackableValue: 600_000_000), 0))
        let reader = Thread { latencies.withLock { $0 = follow(streams, until: done) } }
        reader.start()
        usleep(500_000)
        let context = try Context()
        let interval = Double(options.senders) / (receiptsPerSecond / 2)
        _ = try IngestRun.deliver(
            campaign, 0..<campaign.envelopes.count, context: context, endpoint: aggregator.endpoints["ingest"]!,
            senders: options.senders, window: options.window, batch: 1, interval: interval)
        usleep(2_000_000)
        done.withLock { $0 = true }
        while !reader.isFinished { usleep(50_000) }
        var run = ConsoleRun()
        (run.event, run.events) = latencies.withLock { (Percentiles($0.0), $0.1) }

        // Pages with every district in: the first ranking and completeness pages (the heatmap's first 50 districts,
        // every department and those districts' heads), and a district's page (its cells as signed and their audit
        // history, read from the store), the first and 20 more spread over the city: the first would pay for
        // reading the whole campaign's audit chain and submissions if the console had not read them as they came.
        func times(_ paths: [String]) throws -> PageTimes {
            var times: [Double] = []
            var bytes = 0
            for path in paths {
                let started = DispatchTime.now()
                let (status, body) = try HTTPConnection(port: port).request(
                    "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: \(cookie)\r\nConnection: close\r\n\r\n")
                guard status == 200 else { throw Bench.Failure("GET \(path) answered \(status)") }
                times.append(Bench.seconds(since: started) * 1000)
                bytes = body.count
            }
            let sorted = times.sorted()
            return PageTimes(
                p50: Bench.median(sorted), p99: sorted[Int(Double(sorted.count - 1) * 0.99)], bytes: bytes)
        }
        run.rankingPage = try times(Array(repeating: "/ranking", count: 20))
        run.completenessPage = try times(Array(repeating: "/completeness", count: 20))
        let districts = Catalog.city(districts: options.districts).districts.map(\.id)
        run.firstDistrictPageMilliseconds = try times(["/districts/\(districts[0])"]).p50
        run.districtPage = try times((1...20).map { "/districts/\(districts[$0 * (districts.count - 1) / 20])" })
        run.peakRSSMegabytes = Double(web.peakResidentKilobytes) / 1024
        aggregator.terminate()
        return run
    }

    /// Reads every stream until `done`, recording for each ranking event the time from its `updated_at_ms` to now.
    static func follow(_ streams: [HTTPConnection], until done: Shared<Bool>) -> (Histogram<UInt64>, Int) {
        var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000)
        var count = 0
        // What each stream has sent and not yet read as whole events; scanned once, compacted once per read.
        var pending = [[UInt8]](repeating: [], count: streams.count)
        var descriptors = streams.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        let marker = Array("\"updated_at_ms\":".utf8)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !done.withLock({ $0 }) {
            guard poll(&descriptors, nfds_t(descriptors.count), 200) > 0 else { continue }
            for index in descriptors.indices where descriptors[index].revents & Int16(POLLIN) != 0 {
                let got = read(descriptors[index].fd, &buffer, buffer.count)
                guard got > 0 else { continue }
                let now = UInt64(Date().timeIntervalSince1970 * 1000)
                pending[index].append(contentsOf: buffer[0..<got])
                let bytes = pending[index]
                var start = 0
                var cursor = 0
                while cursor + 1 < bytes.count {
                    guard bytes[cursor] == 10, bytes[cursor + 1] == 10 else {
                        cursor += 1
                        continue
                    }
                    let event = bytes[start..<cursor]
                    cursor += 2
                    start = cursor
                    guard let at = event.firstRange(of: marker) else { continue }
                    let digits = event[at.upperBound...].prefix { (48...57).contains($0) }
                    guard let committed = UInt64(String(decoding: digits, as: UTF8.self)), committed > 0,
                        now >= committed
                    else { continue }
                    histogram.record((now - committed) * 1000)
                    count += 1
                }
                pending[index].removeFirst(start)
            }
        }
        return (histogram, count)
    }

    /// Signs in as a browser does (the sign-in form's double-submit token first); returns the session cookie.
    static func signIn(port: UInt16, name: String, password: String) throws -> String {
        let form = try HTTPConnection(port: port)
        let (_, page) = try form.request("GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let html = String(decoding: page, as: UTF8.self)
        guard let tokenStart = html.range(of: "name=\"csrf\" value=\"")?.upperBound,
            let tokenEnd = html[tokenStart...].firstIndex(of: "\"")
        else { throw Bench.Failure("the sign-in page has no form token") }
        let token = String(html[tokenStart..<tokenEnd])
        let body = "name=\(name)&password=\(password)&csrf=\(token)&next=%2Franking"
        let post = try HTTPConnection(port: port)
        try post.send(
            "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: kaoping_signin=\(token)\r\n"
                + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)")
        let head = String(decoding: post.readAll(), as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let cookie = lines.first(where: { $0.hasPrefix("Set-Cookie: kaoping_session=") }) else {
            throw Bench.Failure("signing in failed: \(head.prefix(200))")
        }
        return String(cookie.dropFirst("Set-Cookie: ".count).split(separator: ";")[0])
    }

    static func runTool(_ path: String, _ arguments: [String], input: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        pipe.fileHandleForWriting.write(Data(input.utf8))
        try pipe.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Bench.Failure("\(path) \(arguments) failed") }
    }
}

/// One TCP connection to the console on 127.0.0.1, spoken to in plain HTTP/1.1.
final class HTTPConnection: Sendable {
    let descriptor: Int32

    init(port: UInt16) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Bench.Failure("cannot connect to the console on port \(port)") }
    }

    deinit { close(descriptor) }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let wrote = bytes[sent...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard wrote > 0 else { throw Bench.Failure("the console closed the connection") }
            sent += wrote
        }
    }

    /// Everything until the server closes the connection.
    func readAll() -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = read(descriptor, &buffer, buffer.count)
            if got <= 0 { return data }
            data.append(contentsOf: buffer[0..<got])
        }
    }

    /// Sends a request (with `Connection: close`) and returns the status and the body.
    func request(_ text: String) throws -> (Int, Data) {
        try send(text)
        let answer = readAll()
        guard let split = answer.firstRange(of: Data("\r\n\r\n".utf8)) else { return (0, Data()) }
        let head = String(decoding: answer[..<split.lowerBound], as: UTF8.self)
        let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
        return (status, answer[split.upperBound...])
    }
}
