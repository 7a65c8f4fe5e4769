using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ChunkGate.Sidecar.Configuration;
using ChunkGate.Sidecar.Protocol;

namespace ChunkGate.Sidecar.Upstream;

/// <summary>Why the upstream session could not be opened, and the server's own error when it sent one.</summary>
internal sealed record UpstreamFailure(string Message, string SqlState, byte[]? ServerError = null);

/// <summary>
/// Opens the database session for one client: TCP with TCP_NODELAY, TLS as configured
/// (verify-full checks the chain against the configured CA and the host name), the startup
/// packet with the approved user and database, then SCRAM-SHA-256 (MD5 and cleartext only when allowed).
/// </summary>
internal static class UpstreamConnector
{
    public static async Task<(UpstreamConnection? Connection, UpstreamFailure? Failure)> ConnectAsync(
        UpstreamOptions options,
        UpstreamCredential credential,
        IEnumerable<KeyValuePair<string, string>> extraParameters,
        CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            try
            {
                await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException exception)
            {
                return Fail(socket, null, new UpstreamFailure($"cannot reach the database at {options.Host}:{options.Port}: {exception.SocketErrorCode}", "08001"));
            }

            stream = new NetworkStream(socket, ownsSocket: false);
            if (options.SslMode != UpstreamSslMode.Disable)
            {
                var (secured, tlsFailure) = await NegotiateTlsAsync(stream, options, cancellationToken).ConfigureAwait(false);
                if (secured is null)
                {
                    return Fail(socket, stream, tlsFailure!);
                }

                stream = secured;
            }

            var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));
            var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
            try
            {
                var parameters = new List<KeyValuePair<string, string>>
                {
                    new("user", credential.Username),
                    new("database", options.Database),
                };
                parameters.AddRange(extraParameters);
                FrontendMessages.Startup(writer, parameters);
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);

                var (keys, messages, failure) = await AuthenticateAsync(reader, writer, options, credential, cancellationToken).ConfigureAwait(false);
                if (failure is not null)
                {
                    return Fail(socket, stream, failure);
                }

                return (new UpstreamConnection(socket, stream, keys.ProcessId, keys.SecretKey, messages), null);
            }
            finally
            {
                // The startup-phase pipes own no unread data once ReadyForQuery arrived (the server
                // sends nothing more until asked), so the data path can open fresh pipes on the stream.
                await reader.CompleteAsync().ConfigureAwait(false);
                await writer.CompleteAsync().ConfigureAwait(false);
            }
        }
        catch (IOException exception)
        {
            return Fail(socket, stream, new UpstreamFailure($"the database closed the connection during startup: {exception.Message}", "08006"));
        }
        catch (AuthenticationException exception)
        {
            return Fail(socket, stream, new UpstreamFailure($"TLS with the database failed: {exception.Message}", "08006"));
        }
    }

    /// <summary>
    /// Forwards a client's CancelRequest to the backend it maps to, on a new connection as the
    /// protocol requires. When the database is reached over TLS, the cancel goes over TLS too
    /// (SSLRequest, 'S', handshake with the same certificate checks as the session): a server
    /// that only accepts TLS, or a network path that must not see the backend's secret key in
    /// the clear, would otherwise drop or expose it.
    /// </summary>
    /// <returns>Null when the request was delivered, else why not (the client gets no answer either way).</returns>
    public static async Task<UpstreamFailure?> SendCancelAsync(UpstreamOptions options, int processId, int secretKey, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            try
            {
                await socket.ConnectAsync(options.Host, options.Port, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException exception)
            {
                return new UpstreamFailure($"cannot reach the database at {options.Host}:{options.Port}: {exception.SocketErrorCode}", "08001");
            }

            stream = new NetworkStream(socket, ownsSocket: false);
            if (options.SslMode != UpstreamSslMode.Disable)
            {
                var (secured, failure) = await NegotiateTlsAsync(stream, options, cancellationToken).ConfigureAwait(false);
                if (secured is null)
                {
                    return failure;
                }

                stream = secured;
            }

            var packet = new ArrayBufferWriter<byte>(16);
            FrontendMessages.CancelRequest(packet, processId, secretKey);
            await stream.WriteAsync(packet.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // The server closes the connection once it has acted on the request.
            var sink = new byte[1];
            await stream.ReadAsync(sink, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (IOException exception)
        {
            return new UpstreamFailure($"the database closed the connection before the cancel request was sent: {exception.Message}", "08006");
        }
        catch (AuthenticationException exception)
        {
            return new UpstreamFailure($"TLS with the database failed: {exception.Message}", "08006");
        }
        finally
        {
            if (stream is not null)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static (UpstreamConnection?, UpstreamFailure?) Fail(Socket socket, Stream? stream, UpstreamFailure failure)
    {
        stream?.Dispose();
        socket.Dispose();
        return (null, failure);
    }

    private static async Task<(Stream? Stream, UpstreamFailure? Failure)> NegotiateTlsAsync(Stream stream, UpstreamOptions options, CancellationToken cancellationToken)
    {
        var request = new ArrayBufferWriter<byte>(8);
        FrontendMessages.SslRequest(request);
        await stream.WriteAsync(request.WrittenMemory, cancellationToken).ConfigureAwait(false);
        var answer = new byte[1];
        var read = await stream.ReadAsync(answer, cancellationToken).ConfigureAwait(false);
        if (read != 1 || answer[0] != (byte)'S')
        {
            return (null, new UpstreamFailure($"the database does not accept TLS but sslMode is {options.SslMode}", "08001"));
        }

        X509Certificate2Collection? roots = null;
        if (options.SslMode == UpstreamSslMode.VerifyFull)
        {
            if (options.CaFile is null)
            {
                return (null, new UpstreamFailure("sslMode verify-full needs upstream.caFile", "08001"));
            }

            roots = [];
            roots.ImportFromPemFile(options.CaFile);
        }

        var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, errors) => ValidateServerCertificate(options, roots, certificate, errors));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = options.Host }, cancellationToken).ConfigureAwait(false);
        return (ssl, null);
    }

    /// <summary>require: encryption only (libpq's meaning); verify-full: chain to the configured CA and host name match.</summary>
    private static bool ValidateServerCertificate(UpstreamOptions options, X509Certificate2Collection? roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (options.SslMode == UpstreamSslMode.Require)
        {
            return true;
        }

        if (certificate is null || roots is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var serverCertificate = new X509Certificate2(certificate);
        return chain.Build(serverCertificate);
    }

    private static async Task<((int ProcessId, int SecretKey) Keys, List<byte[]> Messages, UpstreamFailure? Failure)> AuthenticateAsync(
        PipeReader reader,
        PipeWriter writer,
        UpstreamOptions options,
        UpstreamCredential credential,
        CancellationToken cancellationToken)
    {
        var messages = new List<byte[]>();
        var keys = (0, 0);
        ScramSha256Client? scram = null;
        var authenticated = false;
        var scramVerified = false;
        var passwordSent = false;
        while (true)
        {
            var (message, error) = await StartupMessageReader.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            if (message is not { } m)
            {
                return (keys, messages, new UpstreamFailure($"the database {error}", "08006"));
            }

            switch ((BackendCode)m.Code)
            {
                case BackendCode.ErrorResponse:
                    return (keys, messages, new UpstreamFailure("the database refused the session", "28000", m.ToWire()));
                case BackendCode.ParameterStatus when authenticated:
                case BackendCode.NoticeResponse when authenticated:
                    messages.Add(m.ToWire());
                    break;
                case BackendCode.BackendKeyData when m.Body.Length == 8:
                    keys = (BinaryPrimitives.ReadInt32BigEndian(m.Body), BinaryPrimitives.ReadInt32BigEndian(m.Body.AsSpan(4)));
                    break;
                case BackendCode.NegotiateProtocolVersion:
                    break;
                case BackendCode.ReadyForQuery when authenticated:
                    return (keys, messages, null);
                case BackendCode.Authentication when m.Body.Length >= 4:
                    var kind = BinaryPrimitives.ReadInt32BigEndian(m.Body);
                    var payload = m.Body.AsSpan(4);
                    switch (kind)
                    {
                        case 0:
                            // AuthenticationOk ends the exchange only once the server has proved
                            // itself: a verified SCRAM server signature, or a password sent by a
                            // method the configuration explicitly allows. A server that skips
                            // SCRAM, stops before server-final, or asks for nothing (trust) may be
                            // an impostor that never knew the password.
                            if (!scramVerified && !passwordSent)
                            {
                                return (keys, messages, new UpstreamFailure(scram is null
                                    ? "the database accepted the session without authenticating (trust): the sidecar requires SCRAM-SHA-256 so the server proves it knows the password"
                                    : "the database ended SCRAM-SHA-256 authentication without a verified server signature", "28000"));
                            }

                            authenticated = true;
                            break;
                        case 10:
                            if (!Encoding.ASCII.GetString(payload).Split('\0').Contains(ScramSha256Client.Mechanism))
                            {
                                return (keys, messages, new UpstreamFailure("the database offers no SASL mechanism the sidecar supports", "28000"));
                            }

                            scram = new ScramSha256Client(credential.Password);
                            FrontendMessages.SaslInitialResponse(writer, ScramSha256Client.Mechanism, scram.ClientFirstMessage());
                            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case 11 when scram is not null:
                            var (final, scramError) = scram.ClientFinalMessage(payload);
                            if (final is null)
                            {
                                return (keys, messages, new UpstreamFailure(scramError!, "28000"));
                            }

                            FrontendMessages.SaslResponse(writer, final);
                            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case 12 when scram is not null:
                            if (!scram.VerifyServerFinal(payload))
                            {
                                return (keys, messages, new UpstreamFailure("the database failed to prove it knows the password (SCRAM server signature mismatch)", "28000"));
                            }

                            scramVerified = true;
                            break;
                        case 5 when payload.Length == 4:
                            if (!options.AllowMd5)
                            {
                                return (keys, messages, new UpstreamFailure("the database asked for MD5 password authentication, which the policy does not allow (upstream.allowMd5)", "28000"));
                            }

                            passwordSent = true;
                            FrontendMessages.PasswordMessage(writer, Md5Response(credential, payload));
                            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        case 3:
                            if (!options.AllowCleartext)
                            {
                                return (keys, messages, new UpstreamFailure("the database asked for a cleartext password, which the policy does not allow (upstream.allowCleartext)", "28000"));
                            }

                            passwordSent = true;
                            FrontendMessages.PasswordMessage(writer, credential.Password);
                            await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            return (keys, messages, new UpstreamFailure($"the database asked for an authentication method the sidecar does not support ({kind})", "28000"));
                    }

                    break;
                default:
                    return (keys, messages, new UpstreamFailure($"unexpected message '{(char)m.Code}' from the database during startup", "08P01"));
            }
        }
    }

    private static string Md5Response(UpstreamCredential credential, ReadOnlySpan<byte> salt)
    {
        // md5(md5(password || user) || salt), as PostgreSQL computes it.
        var inner = Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(credential.Password + credential.Username)));
        var outerInput = new byte[inner.Length + salt.Length];
        Encoding.ASCII.GetBytes(inner, outerInput);
        salt.CopyTo(outerInput.AsSpan(inner.Length));
        return "md5" + Convert.ToHexStringLower(MD5.HashData(outerInput));
    }
}
