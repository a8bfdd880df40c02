using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ModelBuild.Core.Tests.Sources;

namespace ModelBuild.Core.Tests.Cache.Remote;

/// <summary>
/// A real <c>redis-server</c> (Debian's package, installed by eng/test.sh) on 127.0.0.1 and a free port,
/// without persistence, optionally with a password. Killed on dispose, or earlier by <see cref="Kill"/>.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private const string Executable = "/usr/bin/redis-server";
    private readonly TemporaryDirectory _folder = new();
    private readonly Process _process;

    /// <param name="password">requirepass, or null for none.</param>
    /// <param name="tls">Serve TLS only, with a self-signed certificate for 127.0.0.1 made by openssl (<see
    /// cref="CertificateFile"/>).</param>
    public RedisServer(string? password = null, bool tls = false)
    {
        ModelBuild.Tests.DebianPackage.RedisServer.Require(Executable);
        Port = LoopbackServer.FreePort();
        Tls = tls;
        var start = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] {
            "--port",
            Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            _folder.FullPath,
            "--daemonize",
            "no" })
        {
            start.ArgumentList.Add(argument);
        }

        if (tls)
        {
            MakeCertificate();
            foreach (var argument in new[] {
                "--port",
                "0",
                "--tls-port",
                Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tls-cert-file",
                CertificateFile,
                "--tls-key-file",
                KeyFile,
                "--tls-ca-cert-file",
                CertificateFile,
                "--tls-auth-clients",
                "no" })
            {
                start.ArgumentList.Add(argument);
            }
        }

        if (password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(password);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitUntilListening();
    }

    public int Port { get; }

    /// <summary><c>redis://127.0.0.1:port</c> (<c>rediss://</c> with TLS), without credentials.</summary>
    public string Address => $"{(Tls ? "rediss" : "redis")}://127.0.0.1:{Port}";

    public bool Tls { get; }

    /// <summary>The server's self-signed certificate (PEM), to trust through SSL_CERT_FILE; only with TLS.</summary>
    public string CertificateFile => Path.Combine(_folder.FullPath, "cert.pem");

    private string KeyFile => Path.Combine(_folder.FullPath, "key.pem");

    /// <summary>SIGKILL: the server vanishes mid-conversation, as a crashed cache server would.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>Sends one inline command (as redis-cli would) and returns the raw reply; for checks from the test side.</summary>
    public string Command(string command, string? password = null)
    {
        using var client = new TcpClient("127.0.0.1", Port);
        using var stream = client.GetStream();
        var text = (password is null ? "" : $"AUTH {password}\r\n") + command + "\r\nQUIT\r\n";
        stream.Write(Encoding.UTF8.GetBytes(text));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        _folder.Dispose();
    }

    private void MakeCertificate()
    {
        var openssl = new ProcessStartInfo("openssl")
        {
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = true
        };
        foreach (var argument in new[] {
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            KeyFile,
            "-out",
            CertificateFile,
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1" })
        {
            openssl.ArgumentList.Add(argument);
        }

        using var run = Process.Start(openssl) ?? throw new InvalidOperationException("openssl did not start.");
        var errors = run.StandardError.ReadToEndAsync();
        run.StandardOutput.ReadToEnd();
        run.WaitForExit();
        Assert.True(run.ExitCode == 0, "openssl could not make a certificate: " + errors.Result);
    }

    private void WaitUntilListening()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            Assert.False(_process.HasExited, $"redis-server exited with code {(_process.HasExited ? _process.ExitCode : 0)}.");
            try
            {
                using var client = new TcpClient("127.0.0.1", Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(20);
            }
        }

        throw new TimeoutException("redis-server did not listen within 20 s.");
    }
}
