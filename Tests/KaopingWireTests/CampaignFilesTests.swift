import Foundation
import KaopingCore
import Testing
@testable import KaopingWire

/// Every program reads the campaign's files through ``CampaignFiles``, and says what is wrong the same way: the file
/// that cannot be read with the problem and what to do, or the file and line that cannot be used.
@Suite struct CampaignFilesTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("campaign-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func file(_ name: String, _ bytes: Data) throws -> String {
        let url = folder.appendingPathComponent(name)
        try bytes.write(to: url)
        return url.path
    }

    private func message(_ read: () throws(CampaignFileError) -> Void) -> String {
        do {
            try read()
            return "no error"
        } catch {
            return error.message
        }
    }

    @Test func aFileThatCannotBeReadIsNamedWithWhatToDo() throws {
        let missing = folder.appendingPathComponent("nowhere.yaml").path
        #expect(
            message { () throws(CampaignFileError) in _ = try CampaignFiles.catalog(missing) }
                == "cannot read the catalog \(missing): no such file; check the path")
        #expect(
            message { () throws(CampaignFileError) in _ = try CampaignFiles.keyring(folder.path) }
                == "cannot read the keyring \(folder.path): it is a folder; name a file")
        let gbk = try file("roster.csv", Data([0x69, 0x64, 0x2C, 0xD6, 0xD0, 0x0A]))
        #expect(
            message { () throws(CampaignFileError) in _ = try CampaignFiles.roster(gbk, catalog: .zhongshan2023) }
                == "cannot read the roster \(gbk): it is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in Excel)")
    }

    @Test func aFileThatReadsButCannotBeUsedIsNamedWithItsLine() throws {
        let roster = try file("roster.csv", Data("id,name,district\nW1,a,D01\nW1,b,D02\n".utf8))
        #expect(
            message { () throws(CampaignFileError) in _ = try CampaignFiles.roster(roster, catalog: .zhongshan2023) }
                == "\(roster):3: worker id W1 appears twice; each worker needs its own id")
        let catalog = try file("catalog.yaml", Data("campaign: x\nnonsense: [\n".utf8))
        #expect(
            message { () throws(CampaignFileError) in _ = try CampaignFiles.catalog(catalog) }
                .hasPrefix("\(catalog):"))
        let line = Keyring.line(for: SigningIdentity.generate(for: "party_office"))
        let keyring = try file("keyring.txt", Data("# keys\n\(line)\nparty_office\n".utf8))
        #expect(
            message { () throws(CampaignFileError) in _ = try CampaignFiles.keyring(keyring) }
                == "\(keyring):3: expected 'SUBMITTER PUBLIC_KEY [CURVE_KEY]', found 1 words")
        let key = try file("party_office.key", Data("not json".utf8))
        #expect(message { () throws(CampaignFileError) in _ = try CampaignFiles.signingKey(key) }.hasPrefix("\(key): "))
    }

    @Test func noCatalogIsTheBuiltInOneAndNoRosterHasNoWorkers() throws {
        #expect(try CampaignFiles.catalog(nil).campaign == Catalog.zhongshan2023.campaign)
        #expect(try CampaignFiles.roster(nil, catalog: .zhongshan2023).workers.isEmpty)
        let line = Keyring.line(for: SigningIdentity.generate(for: "party_office"))
        #expect(try CampaignFiles.keyring(try file("keyring.txt", Data(line.utf8))).entries.count == 1)
    }
}
