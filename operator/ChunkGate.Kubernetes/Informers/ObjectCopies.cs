using System.Text.Json;
using ChunkGate.Kubernetes.Json;

namespace ChunkGate.Kubernetes.Informers;

/// <summary>
/// Deep copies of API objects: the object's own <see cref="ICloneable.Clone"/> when it has one
/// (ChunkGate's kinds, which must keep the spec JSON they were read with), else a JSON round trip
/// with the official client's settings (the official models have no copy constructor).
/// </summary>
public static class ObjectCopies
{
    public static T Deep<T>(T obj)
        where T : class => obj is ICloneable cloneable
            ? (T)cloneable.Clone()
            : (T)JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), KubernetesJsonOptions.Default), obj.GetType(), KubernetesJsonOptions.Default)!;
}
