using Chat.Tests.Shared;

namespace Chat.Server.Tests;

/// <summary>Test classes that share one cluster; they run one after the other, so a test may stop and start it.</summary>
[CollectionDefinition("PostgreSQL")]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>;
