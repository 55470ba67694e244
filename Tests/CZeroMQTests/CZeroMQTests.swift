import CZeroMQ
import Testing

@Suite struct CZeroMQTests {
    @Test func libzmqLinksAndIsAtLeastFourThree() {
        var major: Int32 = 0
        var minor: Int32 = 0
        var patch: Int32 = 0
        zmq_version(&major, &minor, &patch)
        #expect((major, minor) >= (4, 3), "libzmq \(major).\(minor).\(patch) is older than 4.3")
        #expect(kaoping_zmq_version_number() == major * 10_000 + minor * 100 + patch)
    }

    @Test func libzmqSupportsCURVE() {
        #expect(zmq_has("curve") == 1, "libzmq was built without CURVE; install Debian's libzmq3-dev (libsodium)")
    }

    @Test func aContextOpensAndCloses() throws {
        let context = try #require(zmq_ctx_new())
        let socket = try #require(zmq_socket(context, ZMQ_ROUTER))
        #expect(zmq_bind(socket, "inproc://czeromq-test") == 0)
        #expect(zmq_close(socket) == 0)
        #expect(zmq_ctx_term(context) == 0)
    }
}
